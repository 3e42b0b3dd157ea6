//go:build cgo

// shim.c: the Vulkan calls that take arrays, and the hot recording calls,
// with every struct on the C stack (see shim.h for why).

#include "shim.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One function pointer per Vulkan entry point the shim uses, fetched once
// per instance.
#define SHIM_FUNCTIONS(X)                                                                                             \
	X(vkDestroyInstance)                                                                                              \
	X(vkCreateDebugReportCallbackEXT)                                                                                 \
	X(vkDestroyDebugReportCallbackEXT)                                                                                \
	X(vkGetPhysicalDeviceQueueFamilyProperties)                                                                       \
	X(vkCreateDevice)                                                                                                 \
	X(vkDestroyDevice)                                                                                                \
	X(vkCreateBuffer)                                                                                                 \
	X(vkDestroyBuffer)                                                                                                \
	X(vkGetBufferMemoryRequirements)                                                                                  \
	X(vkAllocateMemory)                                                                                               \
	X(vkFreeMemory)                                                                                                   \
	X(vkBindBufferMemory)                                                                                             \
	X(vkMapMemory)                                                                                                    \
	X(vkCreateDescriptorSetLayout)                                                                                    \
	X(vkDestroyDescriptorSetLayout)                                                                                   \
	X(vkCreatePipelineLayout)                                                                                         \
	X(vkDestroyPipelineLayout)                                                                                        \
	X(vkCreateShaderModule)                                                                                           \
	X(vkDestroyShaderModule)                                                                                          \
	X(vkCreateComputePipelines)                                                                                       \
	X(vkDestroyPipeline)                                                                                              \
	X(vkCreateDescriptorPool)                                                                                         \
	X(vkDestroyDescriptorPool)                                                                                        \
	X(vkResetDescriptorPool)                                                                                          \
	X(vkAllocateDescriptorSets)                                                                                       \
	X(vkUpdateDescriptorSets)                                                                                         \
	X(vkCreateCommandPool)                                                                                            \
	X(vkDestroyCommandPool)                                                                                           \
	X(vkAllocateCommandBuffers)                                                                                       \
	X(vkBeginCommandBuffer)                                                                                           \
	X(vkEndCommandBuffer)                                                                                             \
	X(vkResetCommandBuffer)                                                                                           \
	X(vkCmdPipelineBarrier)                                                                                           \
	X(vkCmdBindPipeline)                                                                                              \
	X(vkCmdBindDescriptorSets)                                                                                        \
	X(vkCmdPushConstants)                                                                                             \
	X(vkCmdDispatch)                                                                                                  \
	X(vkCmdCopyBuffer)                                                                                                \
	X(vkCmdFillBuffer)                                                                                                \
	X(vkCreateFence)                                                                                                  \
	X(vkDestroyFence)                                                                                                 \
	X(vkResetFences)                                                                                                  \
	X(vkWaitForFences)                                                                                                \
	X(vkQueueSubmit)

struct ShimFns {
#define X(name) void *name;
	SHIM_FUNCTIONS(X)
#undef X
	VkDebugReportCallbackEXT debug;
};

// The signatures the shim calls through, from the specification.
typedef VkResult (*PFN_vkCreateInstance)(const VkInstanceCreateInfo *, const void *, VkInstance *);
typedef void (*PFN_destroy_dispatchable)(void *, const void *);
typedef void (*PFN_destroy_child)(VkDevice, uint64_t, const void *);
typedef VkResult (*PFN_vkCreateDebugReportCallbackEXT)(VkInstance, const VkDebugReportCallbackCreateInfoEXT *,
                                                       const void *, VkDebugReportCallbackEXT *);
typedef void (*PFN_vkDestroyDebugReportCallbackEXT)(VkInstance, VkDebugReportCallbackEXT, const void *);
typedef void (*PFN_vkGetPhysicalDeviceQueueFamilyProperties)(VkPhysicalDevice, uint32_t *, VkQueueFamilyProperties *);
typedef VkResult (*PFN_vkCreateDevice)(VkPhysicalDevice, const VkDeviceCreateInfo *, const void *, VkDevice *);
typedef VkResult (*PFN_vkCreateBuffer)(VkDevice, const VkBufferCreateInfo *, const void *, VkBuffer *);
typedef void (*PFN_vkGetBufferMemoryRequirements)(VkDevice, VkBuffer, VkMemoryRequirements *);
typedef VkResult (*PFN_vkAllocateMemory)(VkDevice, const VkMemoryAllocateInfo *, const void *, VkDeviceMemory *);
typedef VkResult (*PFN_vkBindBufferMemory)(VkDevice, VkBuffer, VkDeviceMemory, VkDeviceSize);
typedef VkResult (*PFN_vkMapMemory)(VkDevice, VkDeviceMemory, VkDeviceSize, VkDeviceSize, VkFlags, void **);
typedef VkResult (*PFN_vkCreateDescriptorSetLayout)(VkDevice, const VkDescriptorSetLayoutCreateInfo *, const void *,
                                                    VkDescriptorSetLayout *);
typedef VkResult (*PFN_vkCreatePipelineLayout)(VkDevice, const VkPipelineLayoutCreateInfo *, const void *,
                                               VkPipelineLayout *);
typedef VkResult (*PFN_vkCreateShaderModule)(VkDevice, const VkShaderModuleCreateInfo *, const void *,
                                             VkShaderModule *);
typedef VkResult (*PFN_vkCreateComputePipelines)(VkDevice, VkPipelineCache, uint32_t,
                                                 const VkComputePipelineCreateInfo *, const void *, VkPipeline *);
typedef VkResult (*PFN_vkCreateDescriptorPool)(VkDevice, const VkDescriptorPoolCreateInfo *, const void *,
                                               VkDescriptorPool *);
typedef VkResult (*PFN_vkResetDescriptorPool)(VkDevice, VkDescriptorPool, VkFlags);
typedef VkResult (*PFN_vkAllocateDescriptorSets)(VkDevice, const VkDescriptorSetAllocateInfo *, VkDescriptorSet *);
typedef void (*PFN_vkUpdateDescriptorSets)(VkDevice, uint32_t, const VkWriteDescriptorSet *, uint32_t, const void *);
typedef VkResult (*PFN_vkCreateCommandPool)(VkDevice, const VkCommandPoolCreateInfo *, const void *, VkCommandPool *);
typedef VkResult (*PFN_vkAllocateCommandBuffers)(VkDevice, const VkCommandBufferAllocateInfo *, VkCommandBuffer *);
typedef VkResult (*PFN_vkBeginCommandBuffer)(VkCommandBuffer, const VkCommandBufferBeginInfo *);
typedef VkResult (*PFN_vkEndCommandBuffer)(VkCommandBuffer);
typedef VkResult (*PFN_vkResetCommandBuffer)(VkCommandBuffer, VkFlags);
typedef void (*PFN_vkCmdPipelineBarrier)(VkCommandBuffer, VkFlags, VkFlags, VkFlags, uint32_t, const VkMemoryBarrier *,
                                         uint32_t, const void *, uint32_t, const void *);
typedef void (*PFN_vkCmdBindPipeline)(VkCommandBuffer, int32_t, VkPipeline);
typedef void (*PFN_vkCmdBindDescriptorSets)(VkCommandBuffer, int32_t, VkPipelineLayout, uint32_t, uint32_t,
                                            const VkDescriptorSet *, uint32_t, const uint32_t *);
typedef void (*PFN_vkCmdPushConstants)(VkCommandBuffer, VkPipelineLayout, VkFlags, uint32_t, uint32_t, const void *);
typedef void (*PFN_vkCmdDispatch)(VkCommandBuffer, uint32_t, uint32_t, uint32_t);
typedef void (*PFN_vkCmdCopyBuffer)(VkCommandBuffer, VkBuffer, VkBuffer, uint32_t, const VkBufferCopy *);
typedef void (*PFN_vkCmdFillBuffer)(VkCommandBuffer, VkBuffer, VkDeviceSize, VkDeviceSize, uint32_t);
typedef VkResult (*PFN_vkCreateFence)(VkDevice, const VkFenceCreateInfo *, const void *, VkFence *);
typedef VkResult (*PFN_vkResetFences)(VkDevice, uint32_t, const VkFence *);
typedef VkResult (*PFN_vkWaitForFences)(VkDevice, uint32_t, const VkFence *, VkBool32, uint64_t);
typedef VkResult (*PFN_vkQueueSubmit)(VkQueue, uint32_t, const VkSubmitInfo *, VkFence);

#define CALL(fns, name) ((PFN_##name)(fns)->name)

// shim_load_loader opens the Vulkan loader: libvulkan.so.1 (all that NVIDIA
// machines often have), then libvulkan.so. It returns vkGetInstanceProcAddr,
// or NULL when there is no loader.
void *shim_load_loader(const char **loaded_name) {
	static const char *names[] = {"libvulkan.so.1", "libvulkan.so"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (lib == NULL) {
			continue;
		}
		void *gipa = dlsym(lib, "vkGetInstanceProcAddr");
		if (gipa != NULL) {
			*loaded_name = names[i];
			return gipa;
		}
	}
	return NULL;
}

// Validation messages are counted here and printed to stderr; the test suite
// fails when the count moves.
static atomic_uint validation_messages;

static VkBool32 on_validation_message(VkFlags flags, int32_t objectType, uint64_t object, size_t location,
                                      int32_t code, const char *layer, const char *message, void *user) {
	(void)objectType, (void)object, (void)location, (void)code, (void)user;
	atomic_fetch_add(&validation_messages, 1);
	const char *kind = (flags & VK_DEBUG_REPORT_ERROR_BIT_EXT) ? "error" : "warning";
	fprintf(stderr, "vulkan validation %s [%s]: %s\n", kind, layer, message);
	return 0; // never abort the call
}

uint32_t shim_validation_messages(void) { return atomic_load(&validation_messages); }

VkResult shim_create_instance(void *getProcAddr, int validation, VkInstance *instance, ShimFns **fnsOut) {
	PFN_vkGetInstanceProcAddr gipa = (PFN_vkGetInstanceProcAddr)getProcAddr;
	PFN_vkCreateInstance create = (PFN_vkCreateInstance)gipa(NULL, "vkCreateInstance");
	if (create == NULL) {
		return -3; // VK_ERROR_INITIALIZATION_FAILED
	}
	VkApplicationInfo app = {
	    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
	    .pApplicationName = "ditgo",
	    .pEngineName = "ditgo",
	    .apiVersion = (1u << 22) | (2u << 12), // Vulkan 1.2
	};
	const char *layers[] = {"VK_LAYER_KHRONOS_validation"};
	const char *extensions[] = {"VK_EXT_debug_report", "VK_EXT_validation_features"};
	// With validation, synchronization validation too: the layer's default
	// checks do not look for missing barriers.
	const int32_t features[] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
	VkValidationFeaturesEXT checks = {
	    .sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
	    .enabledValidationFeatureCount = 1,
	    .pEnabledValidationFeatures = features,
	};
	VkInstanceCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
	    .pNext = validation ? &checks : NULL,
	    .pApplicationInfo = &app,
	    .enabledLayerCount = validation ? 1 : 0,
	    .ppEnabledLayerNames = layers,
	    .enabledExtensionCount = validation ? 2 : 0,
	    .ppEnabledExtensionNames = extensions,
	};
	VkResult r = create(&info, NULL, instance);
	if (r != VK_SUCCESS) {
		return r;
	}
	ShimFns *fns = calloc(1, sizeof *fns);
#define X(name) fns->name = (void *)gipa(*instance, #name);
	SHIM_FUNCTIONS(X)
#undef X
	if (validation && fns->vkCreateDebugReportCallbackEXT != NULL) {
		VkDebugReportCallbackCreateInfoEXT dbg = {
		    .sType = VK_STRUCTURE_TYPE_DEBUG_REPORT_CALLBACK_CREATE_INFO_EXT,
		    .flags = VK_DEBUG_REPORT_ERROR_BIT_EXT | VK_DEBUG_REPORT_WARNING_BIT_EXT |
		             VK_DEBUG_REPORT_PERFORMANCE_WARNING_BIT_EXT,
		    .pfnCallback = on_validation_message,
		};
		r = CALL(fns, vkCreateDebugReportCallbackEXT)(*instance, &dbg, NULL, &fns->debug);
		if (r != VK_SUCCESS) {
			((PFN_destroy_dispatchable)fns->vkDestroyInstance)(*instance, NULL);
			free(fns);
			*instance = NULL;
			return r;
		}
	}
	*fnsOut = fns;
	return VK_SUCCESS;
}

void shim_destroy_instance(ShimFns *fns, VkInstance instance) {
	if (fns->debug != 0) {
		CALL(fns, vkDestroyDebugReportCallbackEXT)(instance, fns->debug, NULL);
	}
	((PFN_destroy_dispatchable)fns->vkDestroyInstance)(instance, NULL);
	free(fns);
}

// shim_queue_family returns the first queue family that can run compute
// work, or UINT32_MAX when there is none.
uint32_t shim_queue_family(ShimFns *fns, VkPhysicalDevice pd) {
	VkQueueFamilyProperties props[32];
	uint32_t n = 32;
	CALL(fns, vkGetPhysicalDeviceQueueFamilyProperties)(pd, &n, props);
	for (uint32_t i = 0; i < n; i++) {
		if (props[i].queueFlags & 0x2) { // VK_QUEUE_COMPUTE_BIT
			return i;
		}
	}
	return UINT32_MAX;
}

VkResult shim_create_device(ShimFns *fns, VkPhysicalDevice pd, uint32_t family, VkDevice *device) {
	float priority = 1.0f;
	VkDeviceQueueCreateInfo queue = {
	    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
	    .queueFamilyIndex = family,
	    .queueCount = 1,
	    .pQueuePriorities = &priority,
	};
	VkDeviceCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
	    .queueCreateInfoCount = 1,
	    .pQueueCreateInfos = &queue,
	};
	return CALL(fns, vkCreateDevice)(pd, &info, NULL, device);
}

void shim_destroy_device(ShimFns *fns, VkDevice device, VkCommandPool pool) {
	if (pool != 0) {
		((PFN_destroy_child)fns->vkDestroyCommandPool)(device, pool, NULL);
	}
	((PFN_destroy_dispatchable)fns->vkDestroyDevice)(device, NULL);
}

VkResult shim_create_buffer(ShimFns *fns, VkDevice device, VkDeviceSize size, VkBuffer *buffer,
                            VkMemoryRequirements *req) {
	VkBufferCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
	    .size = size,
	    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
	             VK_BUFFER_USAGE_TRANSFER_DST_BIT,
	    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkResult r = CALL(fns, vkCreateBuffer)(device, &info, NULL, buffer);
	if (r == VK_SUCCESS) {
		CALL(fns, vkGetBufferMemoryRequirements)(device, *buffer, req);
	}
	return r;
}

VkResult shim_bind_memory(ShimFns *fns, VkDevice device, VkBuffer buffer, VkDeviceSize size, uint32_t memoryType,
                          int map, VkDeviceMemory *memory, void **mapped) {
	VkMemoryAllocateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
	    .allocationSize = size,
	    .memoryTypeIndex = memoryType,
	};
	VkResult r = CALL(fns, vkAllocateMemory)(device, &info, NULL, memory);
	if (r != VK_SUCCESS) {
		return r;
	}
	r = CALL(fns, vkBindBufferMemory)(device, buffer, *memory, 0);
	if (r == VK_SUCCESS && map) {
		r = CALL(fns, vkMapMemory)(device, *memory, 0, ~0ull, 0, mapped);
	}
	return r;
}

void shim_destroy_buffer(ShimFns *fns, VkDevice device, VkBuffer buffer, VkDeviceMemory memory) {
	((PFN_destroy_child)fns->vkDestroyBuffer)(device, buffer, NULL);
	if (memory != 0) {
		((PFN_destroy_child)fns->vkFreeMemory)(device, memory, NULL); // unmaps too
	}
}

// shim_create_layout makes the one descriptor-set layout and pipeline layout
// that every kernel shares: bindings 0..n-1 are storage buffers, and a
// push-constant block of pushSize bytes.
VkResult shim_create_layout(ShimFns *fns, VkDevice device, uint32_t bindings, uint32_t pushSize,
                            VkDescriptorSetLayout *setLayout, VkPipelineLayout *pipelineLayout) {
	VkDescriptorSetLayoutBinding b[32];
	if (bindings > 32) {
		return -13; // VK_ERROR_UNKNOWN
	}
	for (uint32_t i = 0; i < bindings; i++) {
		b[i] = (VkDescriptorSetLayoutBinding){
		    .binding = i,
		    .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		    .descriptorCount = 1,
		    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
	}
	VkDescriptorSetLayoutCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
	    .bindingCount = bindings,
	    .pBindings = b,
	};
	VkResult r = CALL(fns, vkCreateDescriptorSetLayout)(device, &info, NULL, setLayout);
	if (r != VK_SUCCESS) {
		return r;
	}
	VkPushConstantRange push = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = pushSize};
	VkPipelineLayoutCreateInfo pinfo = {
	    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
	    .setLayoutCount = 1,
	    .pSetLayouts = setLayout,
	    .pushConstantRangeCount = 1,
	    .pPushConstantRanges = &push,
	};
	return CALL(fns, vkCreatePipelineLayout)(device, &pinfo, NULL, pipelineLayout);
}

void shim_destroy_layout(ShimFns *fns, VkDevice device, VkDescriptorSetLayout setLayout, VkPipelineLayout layout) {
	if (layout != 0) {
		((PFN_destroy_child)fns->vkDestroyPipelineLayout)(device, layout, NULL);
	}
	if (setLayout != 0) {
		((PFN_destroy_child)fns->vkDestroyDescriptorSetLayout)(device, setLayout, NULL);
	}
}

// shim_create_pipeline compiles one variant of a shader: spec holds the
// values of specialization constants 0..nSpec-1, each 4 bytes (uint or
// bool).
VkResult shim_create_pipeline(ShimFns *fns, VkDevice device, const uint32_t *code, size_t codeSize,
                              VkPipelineLayout layout, const uint32_t *spec, uint32_t nSpec, VkPipeline *pipeline) {
	if (nSpec > 8) {
		return -13; // VK_ERROR_UNKNOWN: more specialization constants than the shim passes
	}
	VkShaderModuleCreateInfo minfo = {
	    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
	    .codeSize = codeSize,
	    .pCode = code,
	};
	VkShaderModule module;
	VkResult r = CALL(fns, vkCreateShaderModule)(device, &minfo, NULL, &module);
	if (r != VK_SUCCESS) {
		return r;
	}
	VkSpecializationMapEntry entries[8];
	uint32_t values[8];
	for (uint32_t i = 0; i < nSpec; i++) {
		entries[i] = (VkSpecializationMapEntry){.constantID = i, .offset = 4 * i, .size = 4};
		values[i] = spec[i];
	}
	VkSpecializationInfo sinfo = {
	    .mapEntryCount = nSpec,
	    .pMapEntries = entries,
	    .dataSize = 4 * nSpec,
	    .pData = values,
	};
	VkComputePipelineCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
	    .stage =
	        {
	            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
	            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
	            .module = module,
	            .pName = "main",
	            .pSpecializationInfo = nSpec > 0 ? &sinfo : NULL,
	        },
	    .layout = layout,
	    .basePipelineIndex = -1,
	};
	r = CALL(fns, vkCreateComputePipelines)(device, 0, 1, &info, NULL, pipeline);
	((PFN_destroy_child)fns->vkDestroyShaderModule)(device, module, NULL);
	return r;
}

void shim_destroy_pipeline(ShimFns *fns, VkDevice device, VkPipeline pipeline) {
	((PFN_destroy_child)fns->vkDestroyPipeline)(device, pipeline, NULL);
}

VkResult shim_create_descriptor_pool(ShimFns *fns, VkDevice device, uint32_t maxSets, uint32_t maxBuffers,
                                     VkDescriptorPool *pool) {
	VkDescriptorPoolSize size = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = maxBuffers};
	VkDescriptorPoolCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
	    .maxSets = maxSets,
	    .poolSizeCount = 1,
	    .pPoolSizes = &size,
	};
	return CALL(fns, vkCreateDescriptorPool)(device, &info, NULL, pool);
}

void shim_destroy_descriptor_pool(ShimFns *fns, VkDevice device, VkDescriptorPool pool) {
	((PFN_destroy_child)fns->vkDestroyDescriptorPool)(device, pool, NULL);
}

VkResult shim_allocate_descriptor_set(ShimFns *fns, VkDevice device, VkDescriptorPool pool,
                                      VkDescriptorSetLayout layout, VkDescriptorSet *set) {
	VkDescriptorSetAllocateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
	    .descriptorPool = pool,
	    .descriptorSetCount = 1,
	    .pSetLayouts = &layout,
	};
	return CALL(fns, vkAllocateDescriptorSets)(device, &info, set);
}

// shim_write_descriptor_set points bindings 0..n-1 of set at the given
// buffer ranges.
void shim_write_descriptor_set(ShimFns *fns, VkDevice device, VkDescriptorSet set, uint32_t n,
                               const VkBuffer *buffers, const VkDeviceSize *offsets, const VkDeviceSize *ranges) {
	VkDescriptorBufferInfo infos[32];
	VkWriteDescriptorSet writes[32];
	if (n > 32) {
		n = 32;
	}
	for (uint32_t i = 0; i < n; i++) {
		infos[i] = (VkDescriptorBufferInfo){.buffer = buffers[i], .offset = offsets[i], .range = ranges[i]};
		writes[i] = (VkWriteDescriptorSet){
		    .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
		    .dstSet = set,
		    .dstBinding = i,
		    .descriptorCount = 1,
		    .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		    .pBufferInfo = &infos[i],
		};
	}
	CALL(fns, vkUpdateDescriptorSets)(device, n, writes, 0, NULL);
}

VkResult shim_create_command_pool(ShimFns *fns, VkDevice device, uint32_t family, VkCommandPool *pool) {
	VkCommandPoolCreateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
	    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
	    .queueFamilyIndex = family,
	};
	return CALL(fns, vkCreateCommandPool)(device, &info, NULL, pool);
}

VkResult shim_allocate_command_buffer(ShimFns *fns, VkDevice device, VkCommandPool pool, VkCommandBuffer *cmd) {
	VkCommandBufferAllocateInfo info = {
	    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
	    .commandPool = pool,
	    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
	    .commandBufferCount = 1,
	};
	return CALL(fns, vkAllocateCommandBuffers)(device, &info, cmd);
}

VkResult shim_begin(ShimFns *fns, VkCommandBuffer cmd) {
	VkCommandBufferBeginInfo info = {
	    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
	    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	return CALL(fns, vkBeginCommandBuffer)(cmd, &info);
}

// shim_end closes a command buffer with a barrier that makes every write
// visible to the host, which reads staging buffers after the fence signals.
VkResult shim_end(ShimFns *fns, VkCommandBuffer cmd) {
	VkMemoryBarrier b = {
	    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
	    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
	    .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
	};
	CALL(fns, vkCmdPipelineBarrier)(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
	                                VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0, NULL, 0, NULL);
	return CALL(fns, vkEndCommandBuffer)(cmd);
}

// shim_barrier makes every earlier compute-shader or transfer write visible
// to every later compute-shader or transfer access, and orders later writes
// after earlier reads. The device records one before each command: simple
// and always correct (see vk/record.go).
void shim_barrier(ShimFns *fns, VkCommandBuffer cmd) {
	VkMemoryBarrier b = {
	    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
	    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
	    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
	                     VK_ACCESS_TRANSFER_WRITE_BIT,
	};
	VkFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
	CALL(fns, vkCmdPipelineBarrier)(cmd, stages, stages, 0, 1, &b, 0, NULL, 0, NULL);
}

// shim_dispatch records one kernel launch: pipeline, descriptor set, push
// constants and the workgroup grid, in one call from Go.
void shim_dispatch(ShimFns *fns, VkCommandBuffer cmd, VkPipeline pipeline, VkPipelineLayout layout,
                   VkDescriptorSet set, const void *push, uint32_t pushSize, uint32_t x, uint32_t y, uint32_t z) {
	CALL(fns, vkCmdBindPipeline)(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline);
	CALL(fns, vkCmdBindDescriptorSets)(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &set, 0, NULL);
	if (pushSize > 0) {
		CALL(fns, vkCmdPushConstants)(cmd, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize, push);
	}
	CALL(fns, vkCmdDispatch)(cmd, x, y, z);
}

void shim_copy(ShimFns *fns, VkCommandBuffer cmd, VkBuffer src, VkDeviceSize srcOffset, VkBuffer dst,
               VkDeviceSize dstOffset, VkDeviceSize size) {
	VkBufferCopy region = {.srcOffset = srcOffset, .dstOffset = dstOffset, .size = size};
	CALL(fns, vkCmdCopyBuffer)(cmd, src, dst, 1, &region);
}

void shim_fill(ShimFns *fns, VkCommandBuffer cmd, VkBuffer dst, VkDeviceSize offset, VkDeviceSize size,
               uint32_t data) {
	CALL(fns, vkCmdFillBuffer)(cmd, dst, offset, size, data);
}

VkResult shim_create_fence(ShimFns *fns, VkDevice device, VkFence *fence) {
	VkFenceCreateInfo info = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
	return CALL(fns, vkCreateFence)(device, &info, NULL, fence);
}

void shim_destroy_fence(ShimFns *fns, VkDevice device, VkFence fence) {
	((PFN_destroy_child)fns->vkDestroyFence)(device, fence, NULL);
}

VkResult shim_submit(ShimFns *fns, VkQueue queue, VkCommandBuffer cmd, VkFence fence) {
	VkSubmitInfo info = {
	    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
	    .commandBufferCount = 1,
	    .pCommandBuffers = &cmd,
	};
	return CALL(fns, vkQueueSubmit)(queue, 1, &info, fence);
}

// shim_wait blocks until the fence signals (no time limit: a lost device
// returns an error instead).
VkResult shim_wait(ShimFns *fns, VkDevice device, VkFence fence) {
	return CALL(fns, vkWaitForFences)(device, 1, &fence, 1, ~0ull);
}

// shim_reset readies a finished submission's fence, command buffer and
// descriptor pool for reuse.
VkResult shim_reset(ShimFns *fns, VkDevice device, VkFence fence, VkCommandBuffer cmd, VkDescriptorPool pool) {
	VkResult r = CALL(fns, vkResetFences)(device, 1, &fence);
	if (r == VK_SUCCESS) {
		r = CALL(fns, vkResetCommandBuffer)(cmd, 0);
	}
	if (r == VK_SUCCESS) {
		r = CALL(fns, vkResetDescriptorPool)(device, pool, 0);
	}
	return r;
}
