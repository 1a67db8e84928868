# Parameters splatted from hashtables.
$options = @{ Name = 'splat'; Force = $true }
$s = New-GradioSession $LabUrl @options
$s.name
$call = @{ ApiName = 'echo'; Params = @('splatted') }
$c = Invoke-GradioSessionApi @call
(@(Update-GradioSessionApiResult $c))[-1].data[0]
