# A counted loop of calls.
$s = New-GradioSession $LabUrl -Name lab
for ($i = 1; $i -le 3; $i++) {
    $c = Invoke-GradioSessionApi greet @($i, 1)
    (@(Update-GradioSessionApiResult $c))[-1].data[0]
}
