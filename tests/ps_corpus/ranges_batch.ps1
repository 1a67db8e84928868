# A batch of calls from a range, read afterwards.
$s = New-GradioSession $LabUrl -Name lab
$calls = 1..3 | % { Invoke-GradioSessionApi echo @("item $_") }
$calls | % { (@(Update-GradioSessionApiResult $_))[-1].data[0] }
