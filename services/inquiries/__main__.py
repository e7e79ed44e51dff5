from services.inquiries.main import main

main()
