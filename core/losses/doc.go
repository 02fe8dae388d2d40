// Package losses holds dast's training losses as pure graph functions: pixel-wise cross-entropy
// with an ignore label, and the two GAN objectives (least-squares and binary cross-entropy with
// logits) against a constant target map, with optional per-element weights.
//
// All losses return a float scalar with PyTorch's mean reductions, so they match
// nn.CrossEntropyLoss(ignore_index=...), nn.MSELoss and nn.BCEWithLogitsLoss(weight=...).
package losses
