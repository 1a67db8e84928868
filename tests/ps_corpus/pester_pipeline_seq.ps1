# Follow a generator's events with a counter kept in a hashtable (module test style).
$null = New-GradioSession $SourceUrl -Name source
$null = New-GradioSessionApiProxyFunction numbers -Prefix Src -Session source
$seq = @{i=-1}
$Expected = @('n1', 'n2', 'n3')
SrcNumbers -Count 3 -Pause 0 | %{
    if(!$_.data){
        return;
    }
    $seq.i++
    $NextExpected = $Expected[$seq.i];
    if($NextExpected -eq $null){
        $NextExpected = $Expected[-1]
    }
    "$($seq.i): $($_.data[0] -eq $NextExpected)"
}
