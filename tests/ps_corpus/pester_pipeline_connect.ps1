# One app's events piped into another app's function with -map (module test style).
$null = New-GradioSession $SourceUrl -Name source
$null = New-GradioSession $RelayUrl -Name relay
$null = New-GradioSessionApiProxyFunction numbers -Prefix PowershaiTest -Session source
$null = New-GradioSessionApiProxyFunction relay -Prefix PowershaiTest -Session relay
PowershaiTestNumbers -Count 2 -Pause 0 | PowershaiTestRelay -map value=0 -Tag X | %{
    if($_.event -ne 'complete'){ return }
    $_.data[0]
}
