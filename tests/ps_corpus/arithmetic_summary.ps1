# Sum the lengths of answers, then format an average.
$s = New-GradioSession $LabUrl -Name lab
$total = 0
foreach ($n in 1..3) {
    $c = Invoke-GradioSessionApi greet @('x', $n)
    $r = @(Update-GradioSessionApiResult $c)
    $total += $r[-1].data[0].Length
}
$total
"average: {0:N1}" -f ($total / 3)
