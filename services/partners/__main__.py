from services.partners.main import main

main()
