# install powershai if you haven't installed it!
Install-Module powershai
import-module powershai
$AppInfo = Get-GradioInfo $LabUrl
@($AppInfo.named_endpoints.'/count_up'.parameters).Count
