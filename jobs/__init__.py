"""Background jobs on RQ: the job functions (the app enqueues them by name, see webapp/queues.py) and the worker."""
