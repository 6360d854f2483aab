package dev.layercache.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A writable overlay of one image's cached layers, mounted on one node (namespaced). */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("OverlayWorkspace")
@Singular("overlayworkspace")
@Plural("overlayworkspaces")
@ShortNames("ows")
// kubectl shows the columns in this declared order, AGE last: the generator sorts them by jsonPath,
// and CrdDriftTest puts them back in this order in the committed CRDs (PrinterColumnOrder).
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = Type.STRING)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = Type.STRING)
@AdditionalPrinterColumn(name = "Upper", jsonPath = ".status.upperSize", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(
    name = "Merged",
    jsonPath = ".status.mergedPath",
    type = Type.STRING,
    priority = 1)
public class OverlayWorkspace extends CustomResource<OverlayWorkspaceSpec, OverlayWorkspaceStatus>
    implements Namespaced {

  @Override
  @JsonPropertyDescription(
      "The image to overlay, where to mount it, the upper layer's policy and an optional commit.")
  public OverlayWorkspaceSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "Written by the operator: phase, node, mount paths, sizes, the latest commit, conditions.")
  public OverlayWorkspaceStatus getStatus() {
    return super.getStatus();
  }
}
