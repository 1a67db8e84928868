# Proxy functions of two apps, chained with -Map (the original's help and tests).
$src = New-GradioSession $SourceUrl -Name source
$rel = New-GradioSession $RelayUrl -Name relay
$f1 = New-GradioSessionApiProxyFunction numbers -Prefix Src -Session source
$f2 = GradioApiFunction relay -Prefix Rel -Session relay
SrcNumbers -Count 3 -Pause 0 | RelRelay -map value=0 -Tag T | ? { $_.event -eq 'complete' } | % { $_.data[0] }
$three = SrcNumbers -Cou 2 -Pause 0 | RelRelay -arm value=0 -Tag A | RelRelay -map value=0 -Tag B
$three | ? { $_.event -like 'comp*' } | % { $_.data[0] }
