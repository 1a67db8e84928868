# Remove finished calls without being asked.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi echo @('bye')
$null = Update-GradioSessionApiResult $c
$gone = Remove-GradioSessionApi clean -Confirm:$false
@($gone).Count
@(Get-GradioSessionApi).Count
