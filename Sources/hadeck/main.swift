print("hadeck")
