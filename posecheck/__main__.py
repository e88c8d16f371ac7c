from posecheck.cli import main
import sys
sys.exit(main())
