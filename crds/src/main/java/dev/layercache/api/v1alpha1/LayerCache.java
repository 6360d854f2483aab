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

/** Keeps the layers of a set of images warm on a set of nodes (cluster-scoped). */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("LayerCache")
@Singular("layercache")
@Plural("layercaches")
@ShortNames("lc")
// kubectl shows the columns in this declared order, AGE last: the generator sorts them by jsonPath,
// and CrdDriftTest puts them back in this order in the committed CRDs (PrinterColumnOrder).
@AdditionalPrinterColumn(name = "Images", jsonPath = ".spec.images", type = Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyNodes", type = Type.STRING)
@AdditionalPrinterColumn(name = "Failed", jsonPath = ".status.nodes.failed", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.size", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class LayerCache extends CustomResource<LayerCacheSpec, LayerCacheStatus> {

  @Override
  @JsonPropertyDescription(
      "What to keep warm: images, the nodes that keep them, platforms, credentials and rollout pace.")
  public LayerCacheSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Written by the operator: resolved manifests and layers, node counts, recent failures, conditions.")
  public LayerCacheStatus getStatus() {
    return super.getStatus();
  }
}
