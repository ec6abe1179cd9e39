package form

// ValidPhone accepts a mainland mobile number or a landline with area code:
// 7 to 20 characters of digits, spaces, dashes, parentheses and a leading +.
func ValidPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}
