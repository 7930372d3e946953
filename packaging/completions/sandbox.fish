# fish completion for sandbox(1). The candidates come from `sandbox __complete WORD...`, which
# reads the command line's own definitions and the store (container and image names).

function __sandbox_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out ($words[1] __complete $words[2..-1] 2>/dev/null)
    set -l rc $status
    if test $rc -eq 3 # a file name is expected here
        __fish_complete_path (commandline -ct)
    else if test $rc -eq 0
        printf '%s\n' $out
    end
end
complete -c sandbox -f -a '(__sandbox_complete)'
