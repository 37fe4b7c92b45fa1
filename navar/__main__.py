from navar.cli import main

main(prog_name="navar")
