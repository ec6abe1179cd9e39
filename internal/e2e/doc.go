// Package e2e drives the complete application in a real browser (headless
// Chromium through chromedp), the way a person on a phone uses it: open a
// scanned code, tap, type, submit, read the page. Its tests take a screenshot
// of every step.
//
// It holds tests only. It reaches the application from the outside, through
// apptest and HTTP on 127.0.0.1; it must not import the packages behind the
// pages or test their rules, which have tests of their own beside the code.
package e2e
