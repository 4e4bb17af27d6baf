from rocky_adventure.cli import main

raise SystemExit(main())
