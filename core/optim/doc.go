// Package optim holds dast's optimizers: SGD with momentum and weight decay and Adam, both with
// PyTorch's update rules, over explicit parameter groups with learning-rate multipliers, plus the
// polynomial learning-rate schedule.
//
// GoMLX's own optimizers update every trainable variable of a graph; a GAN step updates the
// segmentor and the discriminators with different optimizers in one graph, so here each
// optimizer only touches the variables it is given:
//
//	seg := optim.NewSGD(optim.SGDConfig{LR: 2.5e-4, Momentum: 0.9, WeightDecay: 5e-4}, "seg_opt")
//	groups := []optim.Group{{Vars: backboneVars, LRMult: 1}, {Vars: headVars, LRMult: 10}}
//	grads := optim.Gradients(loss, groups)           // before any update in this graph
//	seg.Apply(ctx, groups, grads, optim.Poly(it, maxIt, 0.9))
//
// Updates are built in the graph (Variable.SetValueGraph), so context.Exec writes them back after
// each execution. Optimizer state (momentum buffers, Adam moments, the step counter) lives in
// non-trainable context variables under the absolute scope "/<optimizer scope>": anything that
// saves all context variables (gomlx checkpoints) saves it, and restoring it resumes the
// trajectory bit for bit.
package optim
