# PowershAI's docs/en-US/providers/huggingface/README.md (rrg92/powershai 5b25f85, Apache-2.0):
# the code blocks of its section "GradioSession* Commands, proxy functions", in order, as published. They run against PowershAI's
# simple-app.py beside this file; the test puts the apps' real addresses in for 127.0.0.1:7860/7861.
# first, opening the session!
New-GradioSession http://127.0.0.1:7860

# Now, let's create the functions!
New-GradioSessionApiProxyFunction

get-help -full Invoke-GradioApiOp1

Invoke-GradioApiOp1 -Duration 10 | %{ "ElapsedSeconds: $($_.data)" }
