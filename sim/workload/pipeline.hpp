// workload/pipeline: the order in which one pipeline stage runs its micro-batches.
//
// Owns: the 1F1B schedule (PipeDream-Flush, Narayanan et al. 2021 section 2.2.1) and Megatron-LM's
// interleaved 1F1B schedule with v model chunks per stage (section 2.2.2), as a list of forward and
// backward passes per stage, each with its micro-batch and model chunk, and where its input comes
// from and its output goes. Depends on: nothing but the standard library.
#pragma once

#include <vector>

namespace trainsim::workload {

struct PipelinePass {
  bool forward = true;
  int micro_batch = 0;
  int chunk = 0;  // model chunk on this stage (0 without interleaving)
  // Global chunk index of the model part this pass computes: chunk * stages + stage, so that
  // chunk c of the last stage feeds chunk c + 1 of the first stage.
  int virtual_stage = 0;
};

// The passes of `stage` (0-based) in execution order, for `stages` stages, `micro_batches`
// micro-batches and `chunks` model chunks per stage (1 = plain 1F1B). With chunks > 1,
// micro_batches must be a multiple of stages (Megatron-LM's requirement).
std::vector<PipelinePass> pipeline_passes(int stage, int stages, int micro_batches, int chunks);

// The ideal bubble fraction of an iteration, (p - 1) / (v m) (Narayanan et al. 2021, eq. 1-2):
// a check for the simulated schedule, not an input to it.
double ideal_bubble_fraction(int stages, int micro_batches, int chunks);

}  // namespace trainsim::workload
