from services.onboarding.main import main

main()
