"""`python3 -m smg.launch_router` stand-in: the same as sglang_router.launch_router's."""
from sglang_router.launch_router import main

if __name__ == "__main__":
    main()
