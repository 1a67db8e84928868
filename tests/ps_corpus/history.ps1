# Update with -History -NoOutput, then read what the event kept.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi count_up @(3)
$none = Update-GradioSessionApiResult $c -History -NoOutput
$c.ApiEvent.events.Count
$c.ApiEvent.data | % { $_[0] }
$c.ApiEvent.LastQueryStatus
$c.ApiEvent.Status
