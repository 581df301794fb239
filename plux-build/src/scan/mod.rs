//! The source scanner: walks module trees and finds plugin declarations with syn.
