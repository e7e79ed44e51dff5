from services.showcase.main import main

main()
