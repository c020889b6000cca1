//! The learning loop: Adam on cross-entropy over shuffled mini-batches, the best validation
//! epoch kept. Reads its examples through [`Examples`], so the same loop trains on a features
//! folder and, in the tests, on data made to be separable.

use std::time::Instant;

use anyhow::{Result, anyhow};
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use genrescope_core::model::{GenreModel, InputTransform, Normaliser, argmax};
use serde::{Deserialize, Serialize};

use crate::formats::features::RowReader;
use crate::rng::SplitMix64;

/// Raw feature rows by index, as a features folder holds them.
pub trait Examples {
    /// Row `row`'s raw values into `out`.
    fn read(&mut self, row: usize, out: &mut Vec<f32>) -> Result<()>;
}

impl Examples for RowReader {
    fn read(&mut self, row: usize, out: &mut Vec<f32>) -> Result<()> {
        RowReader::read(self, row, out)
    }
}

/// One epoch of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    /// The feature (model) name.
    pub model: String,
    /// 1-based.
    pub epoch: usize,
    /// Mean cross-entropy over the training batches.
    pub train_loss: f64,
    /// Accuracy on the training batches (in training mode, dropout on).
    pub train_accuracy: f64,
    /// Mean cross-entropy on the validation split.
    pub validation_loss: f64,
    /// Accuracy on the validation split.
    pub validation_accuracy: f64,
    /// Wall time of the epoch.
    pub seconds: f64,
}

/// How one model learns: the rows, their preparation and the hyper-parameters.
pub struct Lesson<'a> {
    /// The model's name in the log.
    pub name: &'a str,
    /// Rows the model learns from.
    pub train: &'a [usize],
    /// Rows that choose the kept epoch.
    pub validation: &'a [usize],
    /// Every row's class.
    pub labels: &'a [usize],
    /// Raw row → model input.
    pub transform: &'a InputTransform,
    /// The standardisation fitted on the training rows.
    pub norm: &'a Normaliser,
    /// Epochs.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Adam's weight decay.
    pub weight_decay: f64,
    /// Epochs without a better validation epoch before training stops (0: never).
    pub patience: usize,
    /// Seed of the shuffling.
    pub seed: u64,
}

/// A trained model at its best validation epoch.
pub struct Fitted {
    /// The model in inference mode.
    pub model: GenreModel,
    /// 1-based.
    pub best_epoch: usize,
    /// Its validation accuracy.
    pub validation_accuracy: f64,
    /// Every epoch.
    pub history: Vec<Epoch>,
}

/// Reads rows, prepares and normalises them: a `[rows.len(), input_len]` batch.
pub fn batch(
    examples: &mut dyn Examples,
    rows: &[usize],
    transform: &InputTransform,
    norm: &Normaliser,
    raw: &mut Vec<f32>,
) -> Result<Vec<f32>> {
    let mut data = Vec::new();
    let mut x = Vec::new();
    for &r in rows {
        examples.read(r, raw)?;
        genrescope_core::model::prep::prepare(transform, norm, raw, &mut x)?;
        data.extend_from_slice(&x);
    }
    Ok(data)
}

/// Probabilities for `rows` from a model in inference mode.
pub fn predict(
    model: &GenreModel,
    dev: &Device,
    examples: &mut dyn Examples,
    rows: &[usize],
    transform: &InputTransform,
    norm: &Normaliser,
    batch_size: usize,
) -> Result<Vec<Vec<f32>>> {
    let mut raw = Vec::new();
    let n_in: usize = transform.input_shape().iter().product();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(batch_size) {
        let data = batch(examples, chunk, transform, norm, &mut raw)?;
        let x = Tensor::<2>::from_data(TensorData::new(data, [chunk.len(), n_in]), dev);
        let probs: Vec<f32> = softmax(model.forward(x), 1)
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow!("reading probabilities: {e}"))?;
        out.extend(probs.chunks(probs.len() / chunk.len()).map(<[f32]>::to_vec));
    }
    Ok(out)
}

fn mean_loss_and_accuracy(probs: &[Vec<f32>], labels: &[usize]) -> (f64, f64) {
    let n = probs.len().max(1) as f64;
    let loss: f64 = probs
        .iter()
        .zip(labels)
        .map(|(p, &l)| -(p[l].max(1e-12) as f64).ln())
        .sum();
    let correct = probs
        .iter()
        .zip(labels)
        .filter(|(p, l)| argmax(p) == **l)
        .count();
    (loss / n, correct as f64 / n)
}

/// What one pass over the training rows saw.
struct Pass {
    loss_sum: f64,
    correct: usize,
    seen: usize,
}

/// One epoch's steps over the shuffled training rows.
fn train_pass(
    mut model: GenreModel,
    optim: &mut ModuleOptimizer,
    examples: &mut dyn Examples,
    lesson: &Lesson,
    order: &[usize],
    loss_fn: &CrossEntropyLoss,
    train_dev: &Device,
) -> Result<(GenreModel, Pass)> {
    let n_in: usize = lesson.transform.input_shape().iter().product();
    let mut raw = Vec::new();
    let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
    for chunk in order.chunks(lesson.batch_size) {
        if chunk.len() < 2 {
            continue; // batch norm cannot train on a single example
        }
        let data = batch(examples, chunk, lesson.transform, lesson.norm, &mut raw)?;
        let b = chunk.len();
        let xb = Tensor::<2>::from_data(TensorData::new(data, [b, n_in]), train_dev);
        let labels: Vec<i64> = chunk.iter().map(|&r| lesson.labels[r] as i64).collect();
        let yb = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [b]), train_dev);
        let logits = model.forward(xb);
        let pred: Vec<i64> = logits
            .clone()
            .argmax(1)
            .into_data()
            .try_into_vec_as::<i64>()
            .map_err(|e| anyhow!("reading predictions: {e}"))?;
        correct += pred.iter().zip(&labels).filter(|(p, l)| p == l).count();
        let loss = loss_fn.forward(logits, yb);
        loss_sum += loss.clone().into_scalar::<f32>() as f64 * b as f64;
        seen += b;
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lesson.lr, model, grads);
    }
    Ok((
        model,
        Pass {
            loss_sum,
            correct,
            seen,
        },
    ))
}

/// Trains `model` (on `dev` with autodiff) through the lesson's epochs, or until `patience`
/// epochs pass without a better one, and returns it at its best validation epoch (highest
/// accuracy, then lowest loss).
pub fn fit(
    mut model: GenreModel,
    examples: &mut dyn Examples,
    lesson: &Lesson,
    dev: &Device,
) -> Result<Fitted> {
    let train_dev = dev.clone().autodiff();
    let mut optim = AdamConfig::new()
        .with_weight_decay(
            (lesson.weight_decay > 0.0).then(|| WeightDecayConfig::new(lesson.weight_decay as f32)),
        )
        .init();
    let loss_fn = CrossEntropyLossConfig::new().init(&train_dev);
    let mut rng = SplitMix64::new(lesson.seed);
    let val_labels: Vec<usize> = lesson
        .validation
        .iter()
        .map(|&r| lesson.labels[r])
        .collect();
    let mut history = Vec::new();
    let mut best: Option<(f64, f64, usize, GenreModel)> = None;
    for epoch in 1..=lesson.epochs {
        let t0 = Instant::now();
        let mut order = lesson.train.to_vec();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let pass;
        (model, pass) = train_pass(
            model, &mut optim, examples, lesson, &order, &loss_fn, &train_dev,
        )?;
        let eval = model.valid();
        let probs = predict(
            &eval,
            dev,
            examples,
            lesson.validation,
            lesson.transform,
            lesson.norm,
            lesson.batch_size,
        )?;
        let (val_loss, val_acc) = mean_loss_and_accuracy(&probs, &val_labels);
        let e = Epoch {
            model: lesson.name.into(),
            epoch,
            train_loss: pass.loss_sum / pass.seen.max(1) as f64,
            train_accuracy: pass.correct as f64 / pass.seen.max(1) as f64,
            validation_loss: val_loss,
            validation_accuracy: val_acc,
            seconds: t0.elapsed().as_secs_f64(),
        };
        println!(
            "{:>18}  epoch {epoch:>3}/{}  train loss {:.4}  train acc {:.3}  val loss {:.4}  val acc {:.3}  ({:.1} s)",
            lesson.name,
            lesson.epochs,
            e.train_loss,
            e.train_accuracy,
            val_loss,
            val_acc,
            e.seconds
        );
        history.push(e);
        let better = match &best {
            None => true,
            Some((acc, loss, _, _)) => val_acc > *acc || (val_acc == *acc && val_loss < *loss),
        };
        if better {
            best = Some((val_acc, val_loss, epoch, eval));
        }
        let best_epoch = best.as_ref().map_or(epoch, |b| b.2);
        if lesson.patience > 0 && epoch - best_epoch >= lesson.patience && epoch < lesson.epochs {
            println!(
                "{:>18}  stopped early: no better validation epoch since epoch {best_epoch}",
                lesson.name
            );
            break;
        }
    }
    let Some((validation_accuracy, _, best_epoch, model)) = best else {
        return Err(anyhow!(
            "{}: no epoch to keep (epochs must be at least 1)",
            lesson.name
        ));
    };
    Ok(Fitted {
        model,
        best_epoch,
        validation_accuracy,
        history,
    })
}

#[cfg(test)]
mod tests {
    use burn::module::{ModuleVisitor, Param};
    use genrescope_core::Feature;
    use genrescope_core::model::{Architecture, NormaliserFit};

    use super::*;

    /// Rows in memory.
    struct Memory(Vec<Vec<f32>>);

    impl Examples for Memory {
        fn read(&mut self, row: usize, out: &mut Vec<f32>) -> Result<()> {
            out.clear();
            out.extend_from_slice(&self.0[row]);
            Ok(())
        }
    }

    /// Every convolution kernel and dense weight matrix (the parameters of rank 2 and more;
    /// batch norm's running statistics, which move without any learning, are rank 1).
    #[derive(Default)]
    struct Kernels(Vec<f32>);

    impl ModuleVisitor for Kernels {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if D >= 2 {
                let values = param.val().into_data().try_into_vec::<f32>();
                self.0.extend(values.expect("float parameters"));
            }
        }
    }

    fn kernels(model: &GenreModel) -> Vec<f32> {
        let mut k = Kernels::default();
        model.visit(&mut k);
        k.0
    }

    const CLASSES: usize = 4;
    const FRAMES: usize = 32;

    /// Four classes an RMS curve tells apart at a glance (levels 20 dB apart, noisy), 30 rows
    /// each, and the RMS model's preparation fitted on the first 80 rows (the training split;
    /// 20 for validation, 20 for the test follow).
    fn separable() -> (Vec<Vec<f32>>, Vec<usize>, InputTransform, Normaliser) {
        let mut rng = SplitMix64::new(7);
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for i in 0..CLASSES * 30 {
            let class = i % CLASSES;
            let level = 10f32.powi(-(class as i32));
            rows.push(
                (0..FRAMES)
                    .map(|_| level * (1.0 + 0.3 * rng.next_signed()))
                    .collect::<Vec<f32>>(),
            );
            labels.push(class);
        }
        let transform = InputTransform::for_feature(Feature::Rms, &[1, FRAMES]);
        let input_shape = transform.input_shape();
        let mut norm = NormaliserFit::new(Normaliser::groups_for(Feature::Rms, &input_shape));
        let mut x = Vec::new();
        for row in &rows[..80] {
            transform.apply(row, &mut x).unwrap();
            norm.add(&x);
        }
        (rows, labels, transform, norm.finish())
    }

    /// A model that learns must beat chance (25 %) by far, and its weights must move.
    #[test]
    fn training_learns_separable_classes_and_changes_the_weights() {
        let (rows, labels, transform, norm) = separable();
        let input_shape = transform.input_shape();
        let all: Vec<usize> = (0..rows.len()).collect();
        let (train, rest) = all.split_at(80);
        let (validation, test) = rest.split_at(20);

        let dev = Device::flex();
        let train_dev = dev.clone().autodiff();
        train_dev.seed(3);
        let model = Architecture::for_feature(Feature::Rms, &input_shape).init(CLASSES, &train_dev);
        let before = kernels(&model.valid());
        let lesson = Lesson {
            name: "rms",
            train,
            validation,
            labels: &labels,
            transform: &transform,
            norm: &norm,
            epochs: 8,
            batch_size: 8,
            lr: 1e-2,
            weight_decay: 1e-4,
            patience: 0,
            seed: 5,
        };
        let mut examples = Memory(rows);
        let fitted = fit(model, &mut examples, &lesson, &dev).unwrap();

        let after = kernels(&fitted.model);
        assert_eq!(after.len(), before.len());
        let moved = after
            .iter()
            .zip(&before)
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let size = before
            .iter()
            .map(|b| f64::from(*b).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(
            moved > 0.01 * size,
            "training moved the kernels by {moved:.3e} (norm {size:.3e})"
        );
        let probs = predict(
            &fitted.model,
            &dev,
            &mut examples,
            test,
            &transform,
            &norm,
            8,
        )
        .unwrap();
        let truth: Vec<usize> = test.iter().map(|&r| labels[r]).collect();
        let (_, accuracy) = mean_loss_and_accuracy(&probs, &truth);
        assert!(
            accuracy >= 0.9,
            "test accuracy {accuracy:.3} on separable classes (chance 0.25); history: {:?}",
            fitted.history
        );
        assert!(fitted.history.len() == 8 && fitted.best_epoch >= 1);
    }

    /// With a learning rate of zero nothing improves after the first epoch (an MLP has no
    /// batch norm statistics to move), so patience 2 stops training after epoch 3 of 20.
    #[test]
    fn training_stops_after_patience_epochs_without_a_better_one() {
        let (rows, labels, transform, norm) = separable();
        let all: Vec<usize> = (0..rows.len()).collect();
        let dev = Device::flex();
        let model = Architecture::Mlp {
            inputs: FRAMES,
            hidden: vec![8],
        }
        .init(CLASSES, &dev.clone().autodiff());
        let lesson = |patience| Lesson {
            name: "mlp",
            train: &all[..80],
            validation: &all[80..100],
            labels: &labels,
            transform: &transform,
            norm: &norm,
            epochs: 20,
            batch_size: 8,
            lr: 0.0,
            weight_decay: 0.0,
            patience,
            seed: 5,
        };
        let mut examples = Memory(rows.clone());
        let fitted = fit(model.clone(), &mut examples, &lesson(2), &dev).unwrap();
        assert_eq!(fitted.history.len(), 3, "{:?}", fitted.history);
        assert_eq!(fitted.best_epoch, 1);
        let fitted = fit(model, &mut examples, &lesson(0), &dev).unwrap();
        assert_eq!(fitted.history.len(), 20, "patience 0 runs every epoch");
    }
}
