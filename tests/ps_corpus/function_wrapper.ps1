# A function of the script that wraps a call.
$s = New-GradioSession $LabUrl -Name lab
function Ask {
    param([string]$Text)
    $c = Invoke-GradioSessionApi echo @($Text)
    $r = @(Update-GradioSessionApiResult $c)
    return $r[-1].data[0]
}
Ask 'first'
Ask -Text 'second'
$answer = Ask 'third'
"answer: $answer"
