"""Anxin's Rasa assistant: custom NLU components, the REST channel, the speech-rate NLG, the tracker store."""
