# An app that raises gr.Error: the last event, the error, how the read ended.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi user_error @('oops')
$r = @(Update-GradioSessionApiResult $c)
$r[-1].event
if ($c.ApiEvent.error) { 'the app said no' } else { 'fine' }
$c.ApiEvent.LastQueryStatus
