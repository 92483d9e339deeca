"""Email-in: each business's Costs and Sales addresses, receiving messages (the SMTP receiver and the signed HTTP
hook), storing them durably before saying yes, and the job that turns a stored message into items."""
