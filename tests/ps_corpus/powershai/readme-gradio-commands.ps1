# PowershAI's docs/en-US/providers/huggingface/README.md (rrg92/powershai 5b25f85, Apache-2.0):
# the code blocks of its section "Gradio* Commands", in order, as published. They run against PowershAI's
# simple-app.py beside this file; the test puts the apps' real addresses in for 127.0.0.1:7860/7861.

# install powershai, if not installed!
Install-Module powershai 

# Import
import-module powershai 

# Check the api endpoints!
Get-GradioInfo http://127.0.0.1:7860

# Check the api endpoints!
$AppInfo = Get-GradioInfo http://127.0.0.1:7860

# list the parameters of the endpoint
$AppInfo.named_endpoints.'/op1'.parameters

$Event = Send-GradioApi -AppUrl 'http://127.0.0.1:7860' -ApiName Op1 -Params @(1)

$Event | Update-GradioApiResult
