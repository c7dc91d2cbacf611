from reelcast.cli import main

main()
