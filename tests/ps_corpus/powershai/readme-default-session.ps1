# PowershAI's docs/en-US/providers/huggingface/README.md (rrg92/powershai 5b25f85, Apache-2.0):
# the code blocks of its section "GradioSession* Commands, default session", in order, as published. They run against PowershAI's
# simple-app.py beside this file; the test puts the apps' real addresses in for 127.0.0.1:7860/7861.
# creates a new session 
New-GradioSession http://127.0.0.1:7860

$app1 = New-GradioSession http://127.0.0.1:7860
$app2 = New-GradioSession http://127.0.0.1:7861

Set-GradioSession -Default $app2
