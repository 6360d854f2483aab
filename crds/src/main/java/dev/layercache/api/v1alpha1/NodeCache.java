package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One node's instructions and report, named after the node (cluster-scoped): the operator writes
 * the spec, the node's agent writes the status.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("NodeCache")
@Singular("nodecache")
@Plural("nodecaches")
@ShortNames("nc")
// kubectl shows the columns in this declared order, AGE last: the generator sorts them by jsonPath,
// and CrdDriftTest puts them back in this order in the committed CRDs (PrinterColumnOrder).
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = Type.STRING)
@AdditionalPrinterColumn(name = "Layers", jsonPath = ".status.readyLayers", type = Type.STRING)
@AdditionalPrinterColumn(name = "Disk", jsonPath = ".status.diskUsage", type = Type.STRING)
@AdditionalPrinterColumn(name = "Saved", jsonPath = ".status.saved", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(
    name = "Agent",
    jsonPath = ".status.agentVersion",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Synced",
    jsonPath = ".status.lastSyncTime",
    type = Type.DATE,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Wasted",
    jsonPath = ".status.wasted",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Containerd-Saved",
    jsonPath = ".status.containerdSaved",
    type = Type.STRING,
    priority = 1)
public class NodeCache extends CustomResource<NodeCacheSpec, NodeCacheStatus> {

  @Override
  @JsonPropertyDescription(
      "Written by the operator only: the layers and workspaces this node must have.")
  public NodeCacheSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Written by this node's agent only: per-layer progress, workspaces, disk use, savings, conditions.")
  public NodeCacheStatus getStatus() {
    return super.getStatus();
  }
}
