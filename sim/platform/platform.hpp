// platform/platform: what a cluster is made of, as plain validated values.
//
// Owns: the description of GPUs, nodes, the network between nodes, and the facility, in SI units.
// Nothing here simulates anything; topology/ turns a Platform into a graph and engine/ into a
// SimGrid platform. Depends on: units/ (and config/ in the loader, platform/load.hpp).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "units/quantity.hpp"

namespace trainsim::platform {

enum class Precision { fp64, fp32, tf32, bf16, fp16, fp8, int8 };
const char* to_string(Precision p);

// Sustained throughput of a fused attention kernel (FlashAttention and its successors) over the
// GPU's 16-bit peak, forward and backward, measured at long sequences (docs/compute-model.md).
struct AttentionEfficiency {
  double forward = 0;
  double backward = 0;
  double sequence = 0;  // the sequence length the figures were measured at; 0: not given
  // Sequences x heads per call of the measurement (its grid, compute::AttentionGrid); 0: not
  // given, the figures are taken as those of a grid that fills the GPU evenly.
  double batch_heads = 0;
};
// The fused attention kernels the catalog can give figures for.
inline const char* const kAttentionKernels[] = {"flash2", "flash3", "cudnn"};

struct GpuSpec {
  std::string name;                                       // catalog name, e.g. "A100-SXM4-80GB"
  std::map<Precision, units::FlopRate> peak;              // dense (not sparse) peak per precision
  units::Bytes memory{0};                                 // HBM (or GDDR) capacity
  units::Bandwidth memory_bandwidth{0};                   // HBM bandwidth
  // NVLink bandwidth per GPU as NVIDIA quotes it: both directions added (A100: 600 GB/s, i.e.
  // 300 GB/s each way). Zero for GPUs without NVLink. See nvlink_per_direction().
  units::Bandwidth nvlink_bandwidth{0};
  int pcie_gen = 4;
  units::Watts idle_power{0};                             // at rest, no job on the board
  // Board power of a GPU that waits inside a running job: a CUDA context holds its clocks up and an
  // NCCL kernel spins on a flag while the GPU waits for a collective, a pipeline message or a
  // bubble's end. The floor of a GPU in a job (docs/energy-model.md); idle_power <= wait < max.
  units::Watts wait_power{0};
  units::Watts max_power{0};                              // TDP / board power limit
  std::optional<units::Money> price;                      // list or street price, one GPU
  std::optional<units::Area> die_area;                    // for export-control performance density
  // Compute-model calibration (docs/compute-model.md), each measured and sourced in the catalog:
  int sms = 0;                                 // streaming multiprocessors (wave quantization)
  double gemm_efficiency = 0;                  // max achievable matmul FLOP/s / dense peak (16-bit)
  // The same for FP8 GEMMs, over the FP8 peak; required where the catalog gives an FP8 peak:
  // FP8 runs twice the operations per clock within the same power limit, so its sustained share
  // of peak is its own measurement, not the 16-bit one.
  std::optional<double> fp8_gemm_efficiency;
  // Per fused attention kernel ("flash2", "flash3", "cudnn"): measured, absent where not published.
  std::map<std::string, AttentionEfficiency> attention_efficiency;
  double memory_efficiency = 0;                // achieved / peak HBM bandwidth, streaming kernels
  units::Seconds kernel_launch{0};             // per-kernel overhead (launch and tail)
  // Fields the catalog gives as estimates, not measured or datasheet figures (`estimates:`).
  std::vector<std::string> estimated;

  units::Bandwidth nvlink_per_direction() const { return nvlink_bandwidth / 2.0; }
  std::optional<units::FlopRate> peak_for(Precision p) const;
  // The sustained large-GEMM share of peak_for(p): fp8_gemm_efficiency for FP8, else gemm_efficiency.
  double gemm_efficiency_for(Precision p) const;
  // The 16-bit tensor peak (bf16, or fp16 on GPUs without bf16 such as the V100): the rate that
  // mixed-precision training and MFU figures refer to.
  units::FlopRate half_precision_peak() const;
};

// How GPUs inside one node reach each other.
enum class IntraNodeFabric {
  nvswitch,     // every GPU has its full NVLink bandwidth to a switch plane (DGX/HGX A100, H100)
  nvlink_mesh,  // point-to-point NVLink (DGX-1 V100 hybrid cube mesh), modelled like nvswitch
  pcie          // no NVLink: GPUs talk through the host's PCIe switch (A10 servers)
};
const char* to_string(IntraNodeFabric f);

struct NodeSpec {
  std::string name;
  int gpus = 8;
  IntraNodeFabric fabric = IntraNodeFabric::nvswitch;
  units::Seconds intra_latency{0};   // one-way GPU-to-GPU latency inside the node
  // Fraction of the intra-node line rate that NCCL-style collectives reach (protocol overheads).
  double intra_efficiency = 1.0;
  int nics = 8;                      // compute-network NICs per node
  units::Bandwidth nic_bandwidth{0}; // per NIC, each direction
  units::Seconds nic_latency{0};     // one-way GPU -> NIC -> wire latency on one side
  units::Watts host_power{0};        // non-GPU power of the node at load (CPUs, memory, NICs, fans)
  units::Watts host_idle_power{0};
  std::optional<units::Money> price; // the server without its GPUs
  // Measured nccl-tests all-reduce bus bandwidth inside one node by message size (optional). NCCL
  // reaches its large-message rate only for large messages (fewer channels and protocol steps for
  // smaller ones); the curve's shape, normalised to its largest message, scales the intra-node
  // bandwidth of collectives of that size (docs/network-model.md).
  std::vector<std::pair<units::Bytes, units::Bandwidth>> intra_busbw_curve;
  std::vector<std::string> estimated;  // fields the catalog gives as estimates (`estimates:`)
  // Fraction of the large-message rate a collective of `size` reaches inside the node (1 without
  // a curve; log-linear between measured sizes; proportional to size below the smallest).
  double intra_size_efficiency(units::Bytes size) const;
};

// PCIe x16 bandwidth per direction for a PCIe generation, after line encoding (Gen4: 31.5 GB/s).
units::Bandwidth pcie_x16_bandwidth(int pcie_gen);

enum class NetworkTopology {
  fat_tree,       // leaf/spine: all NICs of a node go to the same leaf switch
  rail_optimized  // NIC i of every node in a group goes to leaf ("rail") i of that group
};
const char* to_string(NetworkTopology t);

struct NetworkSpec {
  NetworkTopology topology = NetworkTopology::fat_tree;
  int nodes = 1;
  // fat_tree: nodes under one leaf; rail_optimized: nodes in one rail group (one leaf per rail).
  int nodes_per_leaf = 1;
  int spines = 0;                       // spine switches (0 only when there is a single leaf)
  double oversubscription = 1.0;        // leaf downlink : uplink bandwidth (1 = non-blocking)
  units::Bandwidth link_bandwidth{0};   // one switch port / cable, each direction
  units::Seconds link_latency{0};       // propagation per cable
  units::Seconds switch_latency{0};     // per switch traversal (port to port)
  // Fraction of the network line rate that NCCL reaches (protocol overheads); sourced in the YAML.
  double efficiency = 1.0;
  std::optional<units::Watts> switch_power;  // per physical switch; none: not counted
  // Ports of one physical switch (its radix). Given, the fabric's switches are counted as a folded
  // Clos of such switches (topology/inventory); absent, each leaf and spine is one switch.
  std::optional<int> switch_ports;
};

struct FacilitySpec {
  double pue = 1.0;
  units::EnergyPrice electricity_price;
  units::CarbonIntensity carbon_intensity;
};

// What the cluster costs: purchase prices amortised over lifetimes, or a cloud price.
struct CostSpec {
  std::string currency;                          // the currency costs are reported in
  std::map<std::string, double> exchange_rates;  // 1 unit of the key = value units of `currency`
  units::Seconds gpu_lifetime{0}, server_lifetime{0}, network_lifetime{0}, facility_lifetime{0};
  std::optional<units::Money> switch_price;      // one leaf or spine switch, with its optics
  // Servers' share of the datacenter's build cost (the seed article: ~30%); the rest of the build
  // (building, power, cooling) is derived from it. Absent: the building is not counted.
  std::optional<double> server_share_of_build;
  std::optional<units::Money> cloud_gpu_hour;    // when set, the run is priced as cloud rental
};

// The storage system that serves the job (datasets, checkpoints): powered all run long.
struct StorageSpec {
  units::Watts power{0};
};

// How often the cluster interrupts a job and what it takes to resume (docs/reliability-model.md).
struct ReliabilitySpec {
  // Mean time between job-interrupting failures of any cause (GPU, HBM, host, network, software),
  // normalised per GPU: a job on n GPUs is interrupted every gpu_mtbf / n on average.
  units::Seconds gpu_mtbf{0};
  units::Seconds restart_time{0};  // from the interruption to training again, checkpoint load excluded
  units::Bandwidth checkpoint_write_bandwidth{0};  // the storage's aggregate rate for the job's checkpoint
  units::Bandwidth checkpoint_read_bandwidth{0};
};

struct Platform {
  std::string name;
  std::filesystem::path file;  // where it was loaded from
  // Every value the platform and its catalog entries give as an estimate, as "section.key"
  // ("gpu.gemm_efficiency", "network.switch_power"): results that rest on them say so.
  std::vector<std::string> estimated_inputs;
  GpuSpec gpu;
  NodeSpec node;
  NetworkSpec network;
  FacilitySpec facility;
  std::optional<CostSpec> costs;
  std::optional<ReliabilitySpec> reliability;  // absent: failures are not modelled
  std::optional<StorageSpec> storage;          // absent: storage energy is not counted

  int gpu_count() const { return network.nodes * node.gpus; }
};

// Leaf switches as laid out: one per nodes_per_leaf nodes, times the rails of a rail-optimised
// fabric; the ports each uses towards the NICs, and its uplinks (down / oversubscription, rounded up).
int leaf_switches(const Platform& p);
int leaf_down_ports(const Platform& p);
int leaf_up_ports(const Platform& p);

// The cluster's peak rate at a precision (GPUs x dense peak), zero if the GPU lacks the precision.
units::FlopRate cluster_peak(const Platform& p, Precision precision);
// Largest IT draw of GPUs and hosts: every GPU at max_power plus every node's host_power (the
// switches are counted where the fabric's inventory is known, topology/inventory).
units::Watts max_it_power(const Platform& p);

}  // namespace trainsim::platform
