"""The conversation event stream's consumer (issue 13): Rasa -> RabbitMQ -> here -> PostgreSQL."""
