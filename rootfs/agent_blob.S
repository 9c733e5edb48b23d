/* The guest agent binary, embedded at build time (see agent/). */
	.section .rodata
	.balign 16
	.global vrun_agent_blob
vrun_agent_blob:
	.incbin AGENT_PATH
	.global vrun_agent_blob_end
vrun_agent_blob_end:
	.section .note.GNU-stack,"",@progbits
