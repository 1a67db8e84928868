"""Sessions and their calls (New-, Get-, Set-, Remove-GradioSession; Invoke-, Update-, Get-,
Remove-, Stop-GradioSessionApi; Send-GradioSessionFiles), on top of ``protocol``.

``sessions`` (open, find, set, remove), ``session_calls`` (calls and their bookkeeping),
``session_files`` (uploads and downloads of a session), ``store`` (where sessions live: the
interface and the in-memory store), ``policy`` (the MaxCalls rule, pure).
"""
