"""Anxin's gateway: one origin for the browser and the phone. Rasa and the backend stay on loopback."""
