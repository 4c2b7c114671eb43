//! IAM policy documents: parse, validate, evaluate.
