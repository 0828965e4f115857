from smwar.cli import main

main()
