# The primitive way: Send-GradioApi, then Update-GradioApiResult on the event.
$Event = Send-GradioApi -AppUrl $LabUrl -ApiName count_up -Params @(2)
$Event | Update-GradioApiResult | % { $_.data[0] }
$Event.Status
