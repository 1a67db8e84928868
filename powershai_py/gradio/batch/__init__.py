"""Many calls to one endpoint: a batch run that retries what is worth retrying, waits out GPU
quotas and keeps a journal to resume from (``runner``), its rules as pure functions
(``retrying``) and its journal (``journal``)."""
