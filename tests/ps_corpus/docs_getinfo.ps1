# Check the API endpoints, then list the parameters of one (provider README, Gradio section).
Import-Module powershai
$AppInfo = Get-GradioInfo $LabUrl
$AppInfo.named_endpoints.'/greet'.parameters | % { $_.parameter_name }
$AppInfo.named_endpoints.'/echo'.parameters[0].component
