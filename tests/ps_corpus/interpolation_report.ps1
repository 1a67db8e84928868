# Arrays inside strings, and -f formatting.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi count_up @(3)
$all = @(Update-GradioSessionApiResult $c)
"events: $($all.Count); data: $($all.data)"
"last: {0}, first: {1}" -f $all[-1].data[0], $all[0].data[0]
