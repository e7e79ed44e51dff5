from services.catalogue.main import main

main()
