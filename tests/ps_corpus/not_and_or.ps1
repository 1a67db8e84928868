# ! and -not, -and and -or, on results.
$s = New-GradioSession $LabUrl -Name lab
$c = Invoke-GradioSessionApi echo @('')
$r = @(Update-GradioSessionApiResult $c)
if (!$r[-1].data[0]) { 'empty answer' }
if (-not $c.ApiEvent.error -and $c.ApiEvent.Status -eq 'complete') { 'clean' }
if ($false -or $r.Count -eq 1) { 'one event' }
