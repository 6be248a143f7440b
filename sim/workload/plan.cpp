#include "workload/plan.hpp"

namespace trainsim::workload {

namespace {
std::string str(long long v) { return std::to_string(v); }
}

ParallelPlan::LayerRange ParallelPlan::stage_layers(int layers, int v) const {
  const int chunks = pipeline * (schedule == PipelineSchedule::interleaved ? virtual_stages : 1);
  const bool uneven = first_stage_layers || last_stage_layers;
  if (!uneven || chunks < 2) return {v * (layers / chunks), layers / chunks};
  // The middle chunks share what the given first and last ones leave, evenly.
  const int fixed = first_stage_layers.value_or(0) + last_stage_layers.value_or(0);
  const int shared = chunks - (first_stage_layers ? 1 : 0) - (last_stage_layers ? 1 : 0);
  const int middle = shared > 0 ? (layers - fixed) / shared : 0;
  const int first_count = first_stage_layers.value_or(middle), last_count = last_stage_layers.value_or(middle);
  if (v == 0) return {0, first_count};
  if (v == chunks - 1) return {layers - last_count, last_count};
  return {first_count + (v - 1) * middle, middle};
}

std::vector<std::string> plan_problems(const TransformerModel& m, const ParallelPlan& p, int gpus) {
  std::vector<std::string> out;
  if (p.data < 1 || p.tensor < 1 || p.pipeline < 1 || p.expert < 1 || p.micro_batch < 1 || p.global_batch < 1) {
    out.push_back("parallel degrees and batch sizes must be at least 1");
    return out;
  }
  if (p.gpus() != gpus)
    out.push_back("data x tensor x pipeline = " + str(p.data) + " x " + str(p.tensor) + " x " + str(p.pipeline) +
                  " = " + str(p.gpus()) + " GPUs, but the cluster has " + str(gpus) +
                  " (expected the degrees to multiply to the GPU count)");
  if (m.heads % p.tensor != 0)
    out.push_back("tensor parallelism " + str(p.tensor) + " does not divide the " + str(m.heads) +
                  " attention heads (expected a divisor of the head count)");
  else if (m.kv_heads % p.tensor != 0 && p.tensor % m.kv_heads != 0)
    out.push_back("tensor parallelism " + str(p.tensor) + " does not split the " + str(m.kv_heads) +
                  " key/value heads evenly");
  if (m.ffn_hidden % p.tensor != 0)
    out.push_back("tensor parallelism " + str(p.tensor) + " does not divide the MLP size " + str(m.ffn_hidden));
  const int chunks = p.pipeline * (p.schedule == PipelineSchedule::interleaved ? p.virtual_stages : 1);
  const bool uneven = p.first_stage_layers || p.last_stage_layers;
  if (uneven) {
    const int given = (p.first_stage_layers ? 1 : 0) + (p.last_stage_layers ? 1 : 0);
    const int rest = m.layers - p.first_stage_layers.value_or(0) - p.last_stage_layers.value_or(0);
    const std::string what = chunks == p.pipeline ? "pipeline stages" : "model chunks (stages x virtual stages)";
    const std::string ends = chunks == p.pipeline ? "stages'" : "chunks'";
    if (const int others = chunks - given; chunks < 2 || (others == 0 ? rest != 0 : (rest <= 0 || rest % others != 0)))
      out.push_back(str(m.layers) + " layers minus the first and last " + ends + " (" +
                    str(p.first_stage_layers.value_or(0)) + " + " + str(p.last_stage_layers.value_or(0)) +
                    ") do not split evenly over the other " + str(chunks - given) + " " + what +
                    " (expected the rest to be a positive multiple of their count)");
  } else if (m.layers % chunks != 0) {
    out.push_back(str(m.layers) + " layers do not split evenly over " + str(chunks) + " pipeline " +
                  (chunks == p.pipeline ? "stages" : "model chunks (stages x virtual stages)") +
                  " (expected a divisor of the layer count, or first_stage_layers / last_stage_layers)");
  }
  if (p.global_batch % (p.data * p.micro_batch) != 0)
    out.push_back("global batch " + str(p.global_batch) + " is not a multiple of data x micro-batch = " +
                  str(p.data * p.micro_batch));
  if (p.schedule == PipelineSchedule::interleaved) {
    if (p.virtual_stages < 2) out.push_back("the interleaved schedule needs virtual_stages >= 2");
    else if (p.micro_batches() % p.pipeline != 0)
      out.push_back("the interleaved schedule needs the micro-batch count (" + str(p.micro_batches()) +
                    ") to be a multiple of the pipeline size " + str(p.pipeline) + " (Narayanan et al. 2021)");
  }
  if (p.sequence_parallel && p.tensor > 1 && m.sequence % p.tensor != 0)
    out.push_back("sequence parallelism needs the sequence length " + str(m.sequence) +
                  " to be a multiple of tensor parallelism " + str(p.tensor));
  if (p.zero_stage < 0 || p.zero_stage > 3) out.push_back("ZeRO stage must be 0, 1, 2 or 3");
  if (p.overlap_tensor_parallel_comm && (!p.sequence_parallel || p.tensor < 2))
    out.push_back("overlap_tensor_parallel_comm overlaps the all-gathers and reduce-scatters of sequence parallelism "
                  "(expected sequence_parallel: true and tensor > 1, as Megatron-Core's --tp-comm-overlap requires)");
  if (p.overlap_parameter_gather && p.zero_stage == 0)
    out.push_back("overlap_parameter_gather needs ZeRO stage 1 or more (at stage 0 every replica updates its own "
                  "parameters: there is nothing to gather)");
  if (p.expert > 1) {
    if (!m.is_moe()) out.push_back("expert parallelism needs a mixture-of-experts model");
    else if (m.moe.experts % p.expert != 0)
      out.push_back("expert parallelism " + str(p.expert) + " does not divide the " + str(m.moe.experts) + " experts");
    if (p.data % p.expert != 0)
      out.push_back("expert parallelism " + str(p.expert) + " must divide data parallelism " + str(p.data));
  }
  return out;
}

}  // namespace trainsim::workload
