# Results to JSON, and JSON to an object read in any case.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi greet @{ name = 'Json'; times = 1 }
$r = @(Update-GradioSessionApiResult $c)
$r[-1].data | ConvertTo-Json -Compress
$obj = '{"answer": {"text": "x", "n": 2}}' | ConvertFrom-Json
$obj.Answer.N
