package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/score"
)

func init() { commands = append(commands, newScoreCmd) }

func newScoreCmd() *cobra.Command {
	var o score.Options
	var jsonPath string
	cmd := &cobra.Command{
		Use:   "score --pred DIR --gt DIR",
		Short: "Score prediction PNGs against Cityscapes ground truth (mIoU over 19, 16 or 13 classes)",
		Long: "score compares the prediction PNGs under --pred with the *_gtFine_labelIds.png files\n" +
			"under --gt (e.g. cityscapes/gtFine/val), matched by the Cityscapes stem: a prediction\n" +
			"is named <stem>.png, <stem>_leftImg8bit.png or like its ground truth, at any depth.\n" +
			"Semantics of the official Cityscapes evaluation: label ids -> trainIds, unevaluated\n" +
			"ground truth ignored, one confusion matrix over all images, IoU = TP/(TP+FP+FN), mIoU\n" +
			"over the classes with a defined IoU; a prediction outside the model's classes is a miss.\n\n" +
			"--classes 16 and 13 score the SYNTHIA classes (13 = 16 without wall, fence, pole).\n" +
			"--model-classes 16 (default): a 16-class model whose predictions are 16-class ids;\n" +
			"ground-truth terrain, truck, train are ignored. --model-classes 19: a 19-class model\n" +
			"scored on 16 (13) of its classes from the full 19x19 confusion matrix.",
		Example: "  dast score --pred runs/x/pred --gt data/cityscapes/gtFine/val --json score.json\n" +
			"  dast score --pred pred16 --gt gtFine/val --classes 16",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.PredDir == "" || o.GTDir == "" {
				return fmt.Errorf("--pred and --gt are required; usage: %s", cmd.UseLine())
			}
			res, err := score.Score(cmd.Context(), o)
			if err != nil {
				return err
			}
			return printScore(cmd.OutOrStdout(), res, jsonPath)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PredDir, "pred", "", "folder of prediction PNGs (searched recursively)")
	f.StringVar(&o.GTDir, "gt", "", "folder of *_gtFine_labelIds.png ground truth (searched recursively)")
	f.IntVar(&o.Classes, "classes", 19, "classes scored: 19, 16 (SYNTHIA) or 13 (SYNTHIA mIoU*)")
	f.IntVar(&o.ModelClasses, "model-classes", 0, "for --classes 16/13: 16 (predictions of a 16-class model, default) or 19 (a 19-class model)")
	f.StringVar(&o.PredFormat, "pred-format", score.TrainIDs, "prediction pixel values: trainids (model class ids) or labelids (Cityscapes label ids)")
	f.StringVar(&jsonPath, "json", "", "also write the result as JSON (metrics.json fields plus the convention) to this file")
	f.IntVar(&o.Workers, "workers", 0, "images decoded in parallel (0 = all cores)")
	return cmd
}

func printScore(w io.Writer, res *score.Result, jsonPath string) error {
	if _, err := io.WriteString(w, res.Table()); err != nil {
		return err
	}
	if jsonPath == "" {
		return nil
	}
	if err := score.WriteJSON(jsonPath, res); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "wrote %s\n", jsonPath)
	return err
}
