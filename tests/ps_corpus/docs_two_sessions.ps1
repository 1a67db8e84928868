# Two sessions; the second becomes the default (provider README, GradioSession section).
$app1 = New-GradioSession $LabUrl -Name app1
$app2 = New-GradioSession $LabUrl -Name app2
Set-GradioSession -Default $app2
(Get-GradioSession .).name
$c = Invoke-GradioSessionApi greet @{ name = 'Ana' }
Update-GradioSessionApiResult $c | % { $_.data[0] }
@(Get-GradioSessionApi -Session app1).Count
@(Get-GradioSessionApi).Count
